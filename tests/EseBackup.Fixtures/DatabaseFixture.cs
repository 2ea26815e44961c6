using System.Collections.Generic;
using EseBackup.Core.Format;
using EseBackup.Fixtures.Internal;

namespace EseBackup.Fixtures
{
    /// <summary>What <see cref="EseFixtureWriter.WriteDatabase"/> wrote: the file, its header, the table and its rows.</summary>
    public sealed class DatabaseFixture
    {
        internal DatabaseFixture(string path, DatabaseSpec spec, DatabaseHeader header, long pageCount, IReadOnlyList<FixtureRow> rows,
            uint tableRootPage, int tableObjectId, TreeLayout tree, int tablePages, long freePages)
        {
            Path = path;
            Header = header;
            PageSize = spec.PageSize;
            PageCount = pageCount;
            FileSize = DatabaseSpec.FileSizeFor(pageCount, spec.PageSize);
            TableName = spec.TableName;
            TableObjectId = tableObjectId;
            TableRootPage = tableRootPage;
            TablePages = tablePages;
            TableLeafPages = tree.LeafPages;
            TableDepth = tree.Depth;
            FreePages = freePages;
            Rows = rows;
        }

        public string Path { get; }

        /// <summary>The header written to file pages 0 and 1 (state, signatures, required logs, backups).</summary>
        public DatabaseHeader Header { get; }

        public int PageSize { get; }

        /// <summary>Database pages (the file holds two more: header and shadow header).</summary>
        public long PageCount { get; }

        public long FileSize { get; }

        public DatabaseState State => Header.State;
        public EseSignature DatabaseSignature => Header.DatabaseSignature;
        public EseSignature LogSignature => Header.LogSignature;
        public long RequiredLogLow => Header.RequiredLogLow;
        public long RequiredLogHigh => Header.RequiredLogHigh;

        public string TableName { get; }
        public int TableObjectId { get; }

        /// <summary>The user table's root page (its FDP).</summary>
        public uint TableRootPage { get; }

        /// <summary>Pages the user table owns: root, two space-tree pages, leaves and branch pages.</summary>
        public int TablePages { get; }

        public int TableLeafPages { get; }

        /// <summary>Levels of the table's B+-tree (1 = the root is the only leaf).</summary>
        public int TableDepth { get; }

        /// <summary>Free pages after the table, up to <see cref="PageCount"/>.</summary>
        public long FreePages { get; }

        /// <summary>The rows, sorted by Id, exactly as written (computed on access for generated rows).</summary>
        public IReadOnlyList<FixtureRow> Rows { get; }

        public override string ToString() => $"{Path}: {PageCount} pages of {PageSize} bytes, {State}, table {TableName} with {Rows.Count} rows";
    }
}
