"""What the boards tell the rest of the system, without knowing who listens."""

from django.dispatch import Signal

# A month's board was published (or corrected) in a chain: sent once the publication is
# committed, with `publication` (a boards.Publication). Listeners run after the commit and
# cannot undo it; what they do must be safe to do again (ducha tick may repeat it).
board_published = Signal()
