"""WeChat: mini-program login (jscode2session), WeChat Pay v3, and their in-repo simulators."""
