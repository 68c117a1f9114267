//! Detection quality measured on labelled pages: our own corpus (asserted) and the shared
//! authentic pages (measured and printed; asserted loosely when present).

use portal_audit::detect::RulesDetector;
use portal_audit::detect::eval::evaluate;
use std::path::Path;

#[test]
fn own_corpus_precision_and_recall_are_at_least_095_per_channel() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let report = evaluate(&dir, &RulesDetector::builtin()).unwrap();
    assert!(report.pages >= 40, "{} pages", report.pages);
    for (channel, c) in &report.per_channel {
        eprintln!(
            "{channel:<13} precision {:.2} recall {:.2} ({c:?})",
            c.precision(),
            c.recall()
        );
        assert!(c.tp > 0, "{channel} has no positive page in the corpus");
        assert!(
            c.precision() >= 0.95 && c.recall() >= 0.95,
            "{channel}: {c:?}\n{:#?}",
            report.disagreements
        );
    }
}

#[test]
fn shared_realpages_are_measured() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realpages");
    if !dir.join("labels.csv").exists() {
        eprintln!("../shared/realpages not present: skipped");
        return;
    }
    let report = evaluate(&dir, &RulesDetector::builtin()).unwrap();
    let o = report.overall();
    eprintln!(
        "realpages: precision {:.2} recall {:.2}; disagreements: {:#?}",
        o.precision(),
        o.recall(),
        report.disagreements
    );
    assert!(o.precision() >= 0.9 && o.recall() >= 0.9, "{o:?}");
}
