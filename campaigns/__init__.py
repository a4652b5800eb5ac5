"""Campaigns: data linkage, planning rules, contact policy and reminder letters."""
