from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "tenders"
    verbose_name = _("Tenders")

    def ready(self):
        from ltc.activity.subjects import register as register_subject
        from ltc.attachments import registry as attachments
        from opportunities.requirements import register_field_check

        from . import notices  # noqa: F401  register the notification texts
        from .models import Tender, TenderState

        # Deadlines are planned activities on the tender (calendar, my day, the digest).
        register_subject("tender", Tender, url_name="tenders:detail")
        # Tender documents, the bid as submitted, clarifications: files on the tender.
        attachments.ATTACHABLE["tenders.tender"] = (
            attachments.AttachmentKind.TENDER,
            attachments.AttachmentKind.DOCUMENT,
        )
        attachments.PAGES["tenders.tender"] = ("tenders:detail", "pk")

        # Checks an administrator may require on a stage's gate (kind "field"): the bid stages.
        def recorded(facts) -> bool:
            return (
                Tender.objects.filter(opportunity=facts.opportunity)
                .exclude(state=TenderState.CANCELLED)
                .exists()
            )

        def won(facts) -> bool:
            return Tender.objects.filter(
                opportunity=facts.opportunity, state=TenderState.WON
            ).exists()

        register_field_check("tender_recorded", _("A tender is recorded"), recorded)
        register_field_check("tender_result", _("The tender is won"), won)
