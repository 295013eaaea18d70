//! Analyses: `funnel`, `retention`, `paths`, `explore`, `lifecycle` and
//! `stickiness`, one file each.
//! What they share is here: the audience they count (that of their
//! segments), the scope (a segment and a range) and the `by` columns.

mod explore;
mod funnel;
mod lifecycle;
mod paths;
mod retention;
mod stickiness;

use super::Resolver;
use crate::ir::{ByColumn, QueryKind, Scope, TimeRange};
use segql_syntax::{Audience, Diagnostic, Ident, Range, SegRef, SegRefKind, StatementKind};

impl Resolver<'_> {
    pub(super) fn analysis(&self, kind: &StatementKind) -> Result<QueryKind, Diagnostic> {
        Ok(match kind {
            StatementKind::Funnel(f) => QueryKind::Funnel(self.funnel(f)?),
            StatementKind::Retention(r) => QueryKind::Retention(self.retention(r)?),
            StatementKind::Paths(p) => QueryKind::Paths(self.paths(p)?),
            StatementKind::Explore(e) => QueryKind::Explore(self.explore(e)?),
            StatementKind::Lifecycle(l) => QueryKind::Lifecycle(self.lifecycle_analysis(l)?),
            StatementKind::Stickiness(s) => QueryKind::Stickiness(self.stickiness(s)?),
            StatementKind::Define(_) | StatementKind::Segment(_) => {
                unreachable!("only analyses come here")
            }
        })
    }

    /// The audience of an analysis: that of its segments, else users.
    fn analysis_audience<'s>(&self, segs: impl IntoIterator<Item = &'s SegRef>) -> Audience {
        segs.into_iter()
            .find_map(|s| match &s.kind {
                SegRefKind::Inline(seg) => Some(seg.audience),
                SegRefKind::Named(name) => self
                    .defs
                    .get(&name.name)
                    .map(|(audience, _)| *audience)
                    .or_else(|| self.library.get(&name.name).map(|d| d.audience)),
            })
            .unwrap_or(Audience::Users)
    }

    fn scope(
        &self,
        audience: Audience,
        seg: Option<&SegRef>,
        range: Option<&Range>,
    ) -> Result<Scope, Diagnostic> {
        Ok(Scope {
            audience,
            segment: seg.map(|s| self.seg_ref(s)).transpose()?,
            range: range
                .map(|r| self.time_range(r))
                .transpose()?
                .unwrap_or(TimeRange::ALL),
        })
    }

    /// The `by` column of a funnel or a retention, if written.
    fn by(&self, by: Option<&Ident>, audience: Audience) -> Result<Option<ByColumn>, Diagnostic> {
        by.map(|b| self.by_column(b, audience)).transpose()
    }
}
