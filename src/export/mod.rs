//! Exports over the store: the adoption matrix and its formats, the survey's summary
//! tables and charts, the reviewers' evidence pack, and run diffs. Every number is
//! computed from findings in the store; nothing is entered by hand.

pub mod matrix;
