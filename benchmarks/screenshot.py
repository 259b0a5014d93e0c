"""Screenshot of a running dashboard in headless Chromium (for docs/screenshots and for looking at it).

python benchmarks/screenshot.py http://127.0.0.1:8050/ out.png --size 1920x1080
"""

from __future__ import annotations

import argparse
import time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--wait-for", default="#heat-map .maplibregl-canvas")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to let the map finish drawing")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio")
    parser.add_argument("--scroll-to", help="CSS selector to scroll into view before the shot")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--force-device-scale-factor={args.scale}")
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(args.url)
        WebDriverWait(driver, 30).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, args.wait_for))
        )
        time.sleep(args.settle)
        if args.scroll_to:
            driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", args.scroll_to)
            time.sleep(1)
        driver.save_screenshot(args.out)
        logs = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        for entry in logs:
            print("console:", entry["message"])
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
