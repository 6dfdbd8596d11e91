"""Run histories (format, capture, strict reading) and the deploy check over them."""
