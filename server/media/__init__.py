"""Media acquisition and decoding: safe downloads, yt-dlp, sniffing and decoders shared with training."""
