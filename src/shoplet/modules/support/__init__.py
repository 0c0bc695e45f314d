"""Customer-service chat (在线客服): conversations, messages, quick replies, live sockets."""
