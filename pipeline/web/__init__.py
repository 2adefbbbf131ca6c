"""The web view (``crosswarn serve``): each model's current public warnings on a map drawn
without external services, per region and authority, and the consultations of a crisis cell
after it signed in with its token."""
