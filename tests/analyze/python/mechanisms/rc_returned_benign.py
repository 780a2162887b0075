import requests


def fetch_items(url, page):
    return requests.get(url, params={"page": page}, timeout=5).json()


def all_items(url):
    items, page = [], 1
    while True:
        data = fetch_items(url, page)
        if data.get("error"):
            raise RuntimeError(data["error"])
        items.extend(data["items"])
        if not data.get("next"):
            return items
        page += 1
