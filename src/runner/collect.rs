//! Where consumed replications go: the [`Aggregator`], the streamed `replications.csv`
//! and the streamed `shard_data.bin` (what `merge` and `compare` read back), all inside
//! the staging folder. A run
//! and a merge feed the same collector in the same order, which is why their files are
//! byte-identical.
//!
//! A result's row and record are encoded by [`Collector::prepare`], which a run calls on
//! its worker threads (a merge, on its only thread), so the calling thread of a run
//! only aggregates and copies bytes, in order.

use std::path::Path;

use crate::output::{
    write_tables, Manifest, OutputError, ReplicationsWriter, ShardDataWriter, ShardHeader,
};
use crate::replication::{OutputLayout, ReplicationResult};

use super::aggregate::{Aggregator, Flat};
use super::schedule::Consumer;
use super::RunError;

/// Consumes results in replication order and writes the output files.
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    layout: &'a OutputLayout,
    aggregator: Aggregator,
    replications: ReplicationsWriter,
    shard_data: ShardDataWriter,
    events: u64,
}

/// A result, [`Flat`], with its `replications.csv` row and `shard_data.bin` record,
/// encoded.
#[derive(Debug)]
pub(crate) struct Record {
    replication: u64,
    events: u64,
    result: Flat,
    row: Vec<u8>,
    data: Vec<u8>,
}

impl<'a> Collector<'a> {
    /// Starts the streamed files in `dir`; `shard` says which replications they hold.
    pub(crate) fn create(
        dir: &Path,
        layout: &'a OutputLayout,
        shard: &ShardHeader,
    ) -> Result<Self, RunError> {
        let aggregator = Aggregator::new(layout)?;
        let replications = ReplicationsWriter::create(dir, layout)?;
        let shard_data = ShardDataWriter::create(dir, shard)?;
        Ok(Collector {
            layout,
            aggregator,
            replications,
            shard_data,
            events: 0,
        })
    }

    /// Events of the replications consumed so far.
    pub(crate) fn events(&self) -> u64 {
        self.events
    }

    /// Flushes the streamed files and writes the tables and the manifest into `dir`,
    /// summarising the columns on up to `threads` threads.
    pub(crate) fn finish(
        mut self,
        dir: &Path,
        manifest: &Manifest,
        threads: usize,
    ) -> Result<(), OutputError> {
        self.replications.finish()?;
        self.shard_data.finish()?;
        let statistics = self.aggregator.statistics(threads);
        write_tables(dir, self.layout, &statistics)?;
        manifest.write(dir)
    }
}

impl Consumer for Collector<'_> {
    type Item = Record;

    /// Encodes the row and the record (formatting the metrics' cells is most of it) and
    /// flattens the result, which is dropped here.
    fn prepare(replication: u64, seed: u64, result: ReplicationResult) -> Record {
        Record {
            replication,
            events: result.events,
            result: Flat::of(&result),
            row: ReplicationsWriter::encode_row(replication, seed, &result.metrics),
            data: ShardDataWriter::encode_record(replication, seed, &result),
        }
    }

    /// Aggregates the result (checking it first), then appends its row and record.
    fn push(&mut self, record: Record) -> Result<(), RunError> {
        self.aggregator
            .push_flat(record.replication, &record.result)?;
        self.replications.write_row(&record.row)?;
        self.shard_data.write_record(&record.data)?;
        self.events = self.events.saturating_add(record.events);
        Ok(())
    }

    fn precision_met(&mut self, relative: f64) -> bool {
        self.aggregator.precision_met(relative)
    }

    fn replications(&self) -> u64 {
        self.aggregator.replications()
    }
}
