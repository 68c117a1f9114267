"""The Scrapy baseline of `portal-audit bench --scrapy PYTHON`.

Crawls every portal of a seeds file the way the issue's Scrapy figure was taken: in-site
links followed, at most 30 pages per site, one request at a time per host at the given
rate, robots.txt off. Host names reach the local simulated server through it acting as
an HTTP proxy. Prints one JSON line: pages, wall, CPU and peak memory of this process.

Usage: python scrapy_baseline.py SEEDS_CSV PROXY_URL RATE MAX_PAGES
"""

import csv
import json
import resource
import sys
import time
from urllib.parse import urlparse

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

SEEDS, PROXY = sys.argv[1], sys.argv[2]
RATE, MAX_PAGES = float(sys.argv[3]), int(sys.argv[4])


class Portals(scrapy.Spider):
    name = "portals"

    async def start(self):
        self.pages = {}
        self.links = {}
        with open(SEEDS, encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                host = urlparse(row["portal"]).hostname
                self.pages[host] = 1
                self.links[host] = LinkExtractor(allow_domains=[host])
                yield scrapy.Request(row["portal"], meta={"proxy": PROXY, "site": host})

    def parse(self, response):
        site = response.meta["site"]
        for link in self.links[site].extract_links(response):
            if self.pages[site] >= MAX_PAGES:
                break
            self.pages[site] += 1
            yield scrapy.Request(link.url, meta={"proxy": PROXY, "site": site})


t0 = time.time()
process = CrawlerProcess(
    settings={
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": 256,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 1.0 / RATE,
        "DOWNLOAD_DELAY_JITTER": 0,
        "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
    }
)
crawler = process.create_crawler(Portals)
process.crawl(crawler)
process.start()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(
    json.dumps(
        {
            "version": scrapy.__version__,
            "pages": crawler.stats.get_value("response_received_count", 0),
            "wall": time.time() - t0,
            "cpu": usage.ru_utime + usage.ru_stime,
            "sys": usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024,
        }
    )
)
