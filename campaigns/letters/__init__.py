"""Reminder letters (催告書) for people the campaign cannot reach by phone: selection, the
letter's content, the A4 PDF batch and its enclosing manifest (封入封緘)."""
