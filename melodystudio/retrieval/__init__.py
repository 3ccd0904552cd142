"""Text and melody retrieval: the text encoder, the melody library index and retrieval-guided generation."""
