"""What leaves the dashboard: the briefing (sheets, XLSX, PDF through headless Chromium), alerts to a webhook."""
