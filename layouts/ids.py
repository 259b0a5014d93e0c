"""Component ids shared by layouts and callbacks."""

URL = "url"
PERIOD = "period-preset"
DATES = "period-dates"
SECTOR = "filter-sector"
MUNICIPALITY = "filter-municipality"
SOURCE = "filter-source"
PERIOD_LABEL = "period-label"
KPIS = "kpi-tiles"
STATUS = "status-banner"
REFRESH = "refresh-interval"
MAP = "heat-map"
MAP_METRIC = "map-metric"
MAP_DENSITY = "map-density"
MAP_SIDE = "map-side"
MAP_BACK = "map-back"
RANK_ITEM = "rank-item"  # pattern-matching id type: {"type": RANK_ITEM, "oktmo": ...}
MAP_SIZE = "map-size"  # dcc.Store: the map container's size in pixels, measured in the browser
MAP_VIEW = "map-view"  # "region" (municipalities) or "federal" (Russia by region)
FEDERAL_ITEM = "federal-item"
NAVIGATE = "navigate"  # dcc.Location that leaves the page (another region's dashboard)
