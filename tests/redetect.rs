//! `redetect`: new rules reach past audits through the stored pages, without network.

mod common;

use common::*;
use portal_audit::export::matrix::{self, Value};
use portal_audit::page::detect::{RuleSet, RulesDetector};
use portal_audit::sim::server::Server;
use portal_audit::sim::truth::compare;
use portal_audit::sim::world::{World, WorldSpec};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread")]
async fn redetect_applies_new_rules_to_stored_pages_offline() {
    let world = Arc::new(World::generate(WorldSpec {
        cities: 8,
        pages_per_site: 10,
        departments: 1,
        hostile: false,
        seed: 7,
        discover: false,
    }));
    let server = Server::start(world.clone().handler()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("cities.csv");
    std::fs::write(&seeds, world.seeds_csv()).unwrap();
    let db = db(dir.path());
    let mut cfg = config(&server);
    cfg.max_pages = 10;
    // Old rules: the built-in ones without any weibo rule.
    let old_rules: String = portal_audit::page::detect::rules::DEFAULT_RULES
        .split("[[rules]]")
        .enumerate()
        .filter(|(i, block)| *i == 0 || !block.contains("channel = \"weibo\""))
        .map(|(_, block)| block)
        .collect::<Vec<_>>()
        .join("[[rules]]")
        .replace("version = \"", "version = \"old-");
    let old = RulesDetector::new(RuleSet::parse(&old_rules, "old.toml").unwrap());
    let opts = portal_audit::audit::AuditOptions {
        db: db.clone(),
        seeds: seeds.clone(),
        mode: all(),
        config: cfg,
        progress: portal_audit::crawl::progress::ProgressMode::Quiet,
    };
    let first = portal_audit::audit::run(&opts, Arc::new(old), CancellationToken::new())
        .await
        .unwrap();
    let before = matrix::load(&conn(&db), Some(first.run_id)).unwrap();
    assert!(
        before
            .cities
            .iter()
            .flat_map(|c| &c.cells)
            .filter(|c| c.channel == "weibo")
            .all(|c| c.value != Value::Yes)
    );
    drop(server); // no network from here on
    let report =
        portal_audit::audit::redetect::redetect(&db, None, &RulesDetector::builtin()).unwrap();
    assert_eq!(report.source_run, first.run_id);
    let after = matrix::load(&conn(&db), Some(report.run_id)).unwrap();
    let cmp = compare(&world, &after);
    assert!(cmp.mismatches.is_empty(), "{:#?}", cmp.mismatches);
    assert!(
        after
            .cities
            .iter()
            .flat_map(|c| &c.cells)
            .any(|c| c.channel == "weibo" && c.value == Value::Yes)
    );
    let (kind, source, rules): (String, i64, String) = conn(&db)
        .query_row(
            "SELECT kind, source_run, rules_version FROM runs WHERE id = ?1",
            [report.run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((kind.as_str(), source), ("redetect", first.run_id));
    assert!(!rules.starts_with("old-"));
}
