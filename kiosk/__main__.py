from kiosk.commands import main

raise SystemExit(main())
