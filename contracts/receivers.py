from django.dispatch import receiver

from opportunities.signals import review_decided

from . import services


@receiver(review_decided, dispatch_uid="contracts.follow_review")
def contract_follows_its_review(sender, review, approved, by, **kwargs):
    services.follow_review(review=review, approved=approved, by=by)
