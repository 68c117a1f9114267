//! Crawling one site: what `audit` runs once per site.
//!
//! Owns `spec` (what a crawl is given), `site` (a site's crawl, phase by phase), `pages` (one page's way from fetch
//! through the parse pool to the writer), [`frontier`] (what to fetch next),
//! `parse` (the pool of parse threads), `links` (link checks after a site's crawl) and [`progress`] (the run's counters).
//! May call `net` (fetching), `page` (through the parse pool), `model`, and the store's
//! writer handle; it never opens the database.

pub mod frontier;
pub(crate) mod links;
pub(crate) mod pages;
pub(crate) mod parse;
pub mod progress;
pub(crate) mod site;
pub(crate) mod spec;
