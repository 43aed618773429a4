"""Referrals: clients, consent, the lifecycle, holds, follow-ups, the outbox and signed links."""
