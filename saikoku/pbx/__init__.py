"""The Asterisk side as the service sees it: rendering asterisk-conf/ and probing the PBX."""
