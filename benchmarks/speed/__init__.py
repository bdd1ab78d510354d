"""Speed and memory, against plain PyTorch."""
