"""ARI: REST client, the events WebSocket, and the Stasis application's call handling."""
