def main() -> None:
    raise SystemExit("dcs: not wired yet")
