"""The SSH front door: an asyncssh server running one app process on a PTY per session."""
