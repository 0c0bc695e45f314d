"""E-invoice providers: the port, the 诺诺 (Nuonuo) adapter and its in-repo simulator."""
