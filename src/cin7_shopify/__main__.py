from cin7_shopify.cli import main

raise SystemExit(main())
