"""The Textual face of the CRM: thin screens over the services."""
