//! A union of queries that is cheap to seek: the ways one concept of the text
//! can match (a stem in the name, the organization or the description; a
//! vocabulary term's categories and phrases).
//!
//! tantivy's union (`BooleanQuery` of `Should` clauses) scores a window of
//! 4,096 documents at a time. That is the fastest way to go through every match
//! of a union on its own, but in an intersection, which seeks each of its parts
//! to the next candidate document, each such question fills or walks a window:
//! a concept in 92% of the listings ("inc") costs as much next to a rare word
//! as it does alone. [`AnyOf`] seeks each of its clauses to the document asked
//! for instead, and scores only the documents it is on. When it is advanced
//! before it is ever sought (it is the whole query, or a part of a union), it
//! hands over to tantivy's union over the same clause weights, which goes
//! through every match faster. Its score is the sum of the scores of the
//! clauses that match, added in clause order, as the union's is.

use std::sync::Arc;

use tantivy::query::{
    BooleanWeight, EmptyScorer, EnableScoring, Explanation, Occur, Query, Scorer, SumCombiner,
    Weight,
};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Matches a document any of its clauses matches.
#[derive(Debug)]
pub struct AnyOf {
    clauses: Vec<Box<dyn Query>>,
}

impl AnyOf {
    pub fn new(clauses: Vec<Box<dyn Query>>) -> AnyOf {
        AnyOf { clauses }
    }
}

impl Clone for AnyOf {
    fn clone(&self) -> AnyOf {
        AnyOf {
            clauses: self.clauses.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for AnyOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights: Vec<Arc<dyn Weight>> = self
            .clauses
            .iter()
            .map(|q| q.weight(enable_scoring).map(Arc::from))
            .collect::<tantivy::Result<_>>()?;
        // tantivy's union over the same weights (their term statistics are
        // gathered once), at least one of which must match.
        let union = BooleanWeight::with_minimum_number_should_match(
            weights
                .iter()
                .map(|w| {
                    (
                        Occur::Should,
                        Box::new(Shared(Arc::clone(w))) as Box<dyn Weight>,
                    )
                })
                .collect(),
            1,
            enable_scoring.is_scoring_enabled(),
            Box::new(SumCombiner::default),
        );
        Ok(Box::new(AnyOfWeight {
            weights,
            union: Arc::new(union),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

/// A clause's weight, shared by [`AnyOf`]'s own scorer and tantivy's union.
struct Shared(Arc<dyn Weight>);

impl Weight for Shared {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.0.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct AnyOfWeight {
    weights: Vec<Arc<dyn Weight>>,
    /// The same clauses as tantivy's union, for going through every match.
    union: Arc<dyn Weight>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        if scorers.len() <= 1 {
            return Ok(scorers.pop().unwrap_or_else(|| Box::new(EmptyScorer)));
        }
        let mut union = AnyOfScorer {
            scorers,
            doc: TERMINATED,
            scan: Scan::NotYet {
                union: Arc::clone(&self.union),
                reader: Box::new(reader.clone()),
                boost,
            },
        };
        union.doc = union.lowest();
        Ok(Box::new(union))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let matching: Vec<Explanation> = self
            .weights
            .iter()
            .filter_map(|weight| weight.explain(reader, doc).ok())
            .collect();
        if matching.is_empty() {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} matches none of the clauses"
            )));
        }
        let total = matching.iter().map(Explanation::value).sum();
        let mut summed = Explanation::new("sum of the clauses that match", total);
        for clause in matching {
            summed.add_detail(clause);
        }
        Ok(summed)
    }
}

/// Each clause's scorer, positioned at or after the union's document.
struct AnyOfScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
    scan: Scan,
}

/// Whether the union goes through its matches with tantivy's union.
enum Scan {
    /// Not advanced yet: the first call decides.
    NotYet {
        union: Arc<dyn Weight>,
        reader: Box<SegmentReader>,
        boost: Score,
    },
    /// Sought first: it answers for itself.
    Never,
    /// Advanced first: tantivy's union answers.
    Union(Box<dyn Scorer>),
}

impl AnyOfScorer {
    fn lowest(&self) -> DocId {
        self.scorers
            .iter()
            .map(|s| s.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        if let Scan::NotYet {
            union,
            reader,
            boost,
        } = &self.scan
        {
            // Leading: tantivy's union starts where the clauses are (on their
            // first document), with the same clauses. When it cannot be made,
            // the clauses go on answering.
            self.scan = match union.scorer(reader, *boost) {
                Ok(scorer) if scorer.doc() == self.doc => Scan::Union(scorer),
                _ => Scan::Never,
            };
        }
        if let Scan::Union(union) = &mut self.scan {
            self.doc = union.advance();
            return self.doc;
        }
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let at = self.doc;
        for scorer in &mut self.scorers {
            if scorer.doc() == at {
                scorer.advance();
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        match &mut self.scan {
            Scan::Union(union) => {
                self.doc = union.seek(target);
                return self.doc;
            }
            Scan::NotYet { .. } => self.scan = Scan::Never,
            Scan::Never => {}
        }
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for AnyOfScorer {
    fn score(&mut self) -> Score {
        if let Scan::Union(union) = &mut self.scan {
            return union.score();
        }
        let at = self.doc;
        if at == TERMINATED {
            return 0.0;
        }
        let mut total = 0.0;
        for scorer in &mut self.scorers {
            if scorer.doc() == at {
                total += scorer.score();
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, doc};

    /// A union of boosted term queries over two fields, as a concept is built,
    /// with each document's score: the same matches and scores as tantivy's own
    /// union, alone and as the side of an intersection that is sought.
    #[test]
    fn any_of_matches_and_scores_as_the_union_does_and_seeks() {
        let mut builder = Schema::builder();
        let name = builder.add_text_field("name", TEXT);
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .unwrap_or_else(|e| panic!("{e}"));
        for i in 0..3000u32 {
            // "inc" in most documents, "rare" in a few, in either field.
            let mut n = String::from("pantry");
            let mut b = String::from("food");
            if i % 10 != 0 {
                if i % 3 == 0 {
                    n.push_str(" inc");
                } else {
                    b.push_str(" inc inc");
                }
            }
            if i % 97 == 0 {
                b.push_str(" rare");
            }
            writer
                .add_document(doc!(name => n, body => b))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        writer.commit().unwrap_or_else(|e| panic!("{e}"));
        let searcher = index.reader().unwrap_or_else(|e| panic!("{e}")).searcher();
        let term = |field, text: &str, boost: f32| -> Box<dyn Query> {
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, text),
                    IndexRecordOption::WithFreqs,
                )),
                boost,
            ))
        };
        let clauses = || vec![term(name, "inc", 3.0), term(body, "inc", 1.0)];
        let ours: Box<dyn Query> = Box::new(AnyOf::new(clauses()));
        let theirs: Box<dyn Query> = Box::new(BooleanQuery::new(
            clauses().into_iter().map(|q| (Occur::Should, q)).collect(),
        ));
        let rare = || term(body, "rare", 1.0);
        let scores = |query: &dyn Query| {
            let weight = query
                .weight(EnableScoring::enabled_from_searcher(&searcher))
                .unwrap_or_else(|e| panic!("{e}"));
            let mut found = Vec::new();
            for reader in searcher.segment_readers() {
                let mut scorer = weight.scorer(reader, 1.0).unwrap_or_else(|e| panic!("{e}"));
                while scorer.doc() != TERMINATED {
                    found.push((scorer.doc(), scorer.score()));
                    scorer.advance();
                }
            }
            found
        };
        let alone = scores(ours.as_ref());
        assert_eq!(alone, scores(theirs.as_ref()));
        assert_eq!(alone.len(), 2700);
        let with_rare = |union: Box<dyn Query>| {
            BooleanQuery::new(vec![(Occur::Must, rare()), (Occur::Must, union)])
        };
        let sought = scores(&with_rare(ours.box_clone()));
        assert_eq!(sought, scores(&with_rare(theirs.box_clone())));
        // Of the documents with "rare", those that are multiples of 10 have no "inc".
        let expected = (0..3000u32).filter(|i| i % 97 == 0 && i % 10 != 0).count();
        assert_eq!(sought.len(), expected);
        let matched = searcher
            .search(&with_rare(ours.box_clone()), &DocSetCollector)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(matched.len(), expected);
        // Sought first, then advanced: it answers for itself from there on.
        let weight = ours
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut scorer = weight
            .scorer(searcher.segment_reader(0), 1.0)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut after = vec![(scorer.seek(1500), scorer.score())];
        while scorer.advance() != TERMINATED {
            after.push((scorer.doc(), scorer.score()));
        }
        let from = alone.iter().position(|(doc, _)| *doc >= 1500).unwrap_or(0);
        assert_eq!(after, alone[from..]);
        // An explanation for a match, an error for a document it does not match.
        let weight = ours
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap_or_else(|e| panic!("{e}"));
        let reader = searcher.segment_reader(0);
        let explained = weight
            .explain(reader, alone[0].0)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!((explained.value() - alone[0].1).abs() < 1e-6);
        assert!(weight.explain(reader, 0).is_err());
    }
}
