#!/usr/bin/python3
"""Answers images on lw's worker page in a real headless Chromium, with the keyboard.

Usage: review_in_browser.py WORKER_LINK KEY... [--screenshot FILE]
Each KEY is pressed once the page shows an image (or, for 'u', anything);
after each key the script waits for the page to move on. Prints one JSON
object: the image names seen, the progress texts, the final message, the
guide panel (instructions text, reference image widths) and any console errors (a CSP violation or a script error would show there).
Needs Debian's chromium, chromium-driver and python3-selenium.
"""
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main():
    args = sys.argv[1:]
    screenshot = None
    if "--screenshot" in args:
        i = args.index("--screenshot")
        screenshot = args[i + 1]
        del args[i:i + 2]
    link, keys = args[0], args[1:]

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    seen, progress = [], []
    try:
        driver.get(link)

        def progress_text():
            return driver.find_element(By.ID, "progress").text

        def image_loaded(_):
            return driver.execute_script(
                "const i = document.getElementById('image');"
                "return !i.hidden && i.complete && i.naturalWidth > 0 ? i.naturalWidth : 0;")

        wait.until(lambda d: progress_text() != "")
        progress.append(progress_text())
        # The guide panel: the instructions' text and each reference's decoded width.
        wait.until(lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.reference img')).every(i => i.complete);"))
        guide = driver.execute_script(
            "const t = document.querySelector('#instructions .instructions');"
            "return {instructions: t ? t.innerText : '',"
            " references: Array.from(document.querySelectorAll('.reference img')).map(i => i.naturalWidth)};")
        for key in keys:
            before = progress_text()
            if key != "u":
                width = wait.until(image_loaded)
                seen.append({"name": driver.find_element(By.ID, "source").text, "width": width})
            driver.find_element(By.TAG_NAME, "body").send_keys(key)
            wait.until(lambda d: progress_text() != before)
            progress.append(progress_text())
        time.sleep(0.2)
        message = driver.find_element(By.ID, "message").text
        if screenshot:
            driver.save_screenshot(screenshot)
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
        print(json.dumps({"seen": seen, "progress": progress, "message": message, "console_errors": errors, "guide": guide}))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
