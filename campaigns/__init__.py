"""Campaigns: data linkage, planning rules, contact policy and letters (grows with the linkage and planning issues)."""
