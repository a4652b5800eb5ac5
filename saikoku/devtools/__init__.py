"""Developer tools: the rig driver, the demo, the synthetic ward and the benchmarks. Nothing in
production imports this package (an import contract keeps it so)."""
