//! CRM search: the request (filter groups, query, sort, paging) with
//! HubSpot's limits, and an in-memory inverted index that answers it.
//!
//! The index is derived data: a backend rebuilds it from its contacts at
//! start and updates it on every write, so search sees a write as soon as
//! the write returns.

mod entries;
mod evaluate;
mod index;
mod request;
pub mod tokens;

pub use entries::{entries, value_entries, value_entries_untokenized, Entries};
pub use evaluate::{matches, sort_ids};
pub use index::{SearchHits, SearchIndex};
pub use request::{
    Bound, Filter, FilterInput, Operator, Predicate, SearchInput, SearchRequest, Sort, SortInput,
    Term, DEFAULT_LIMIT, MAX_FILTERS, MAX_FILTERS_PER_GROUP, MAX_GROUPS, MAX_LIMIT,
    MAX_QUERY_CHARS, MAX_RESULTS, SEARCHABLE_PROPERTIES,
};
