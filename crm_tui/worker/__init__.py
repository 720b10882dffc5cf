"""The delivery worker: reminders and the outbox, through e-mail and SMS senders."""
