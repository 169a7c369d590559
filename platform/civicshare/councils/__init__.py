"""What a council tells the public about itself: its name, codes and the platform pages it serves."""
