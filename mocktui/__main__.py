from mocktui.cli import main

raise SystemExit(main())
