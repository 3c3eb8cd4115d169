from aleph_tui.cli import main

raise SystemExit(main())
