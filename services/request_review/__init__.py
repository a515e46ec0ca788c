"""request-review: scenarios (应用场景), data-use applications (一场景一申请),
multi-party reviews, grants and appeals (申诉)."""
