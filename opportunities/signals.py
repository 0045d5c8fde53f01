"""Signals downstream apps listen to (they import us; we never import them)."""

from django.dispatch import Signal

# Sent inside the deciding transaction: review=<Review>, approved=<bool>, by=<User>.
# The contracts app moves its contract on the contract review's decision.
review_decided = Signal()
