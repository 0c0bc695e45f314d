"""Subscribe messages (订阅消息): templates per event, shoppers' one-time accepts as send
credits, sends to WeChat from workers on domain events, and the send log."""
