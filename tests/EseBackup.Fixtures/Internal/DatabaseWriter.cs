using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>
    /// Lays out and writes a whole database file. Page map (page numbers):
    /// 1–3 database root and its owned/available space trees; 4–23 the catalog's extent (4 MSysObjects
    /// root, 5/6 its space trees, 7–9 the Name index, 10–12 the RootObjects index, 13–23 their other
    /// pages); 24.. MSysObjectsShadow (root, space trees, leaves); then the user table (root, space
    /// trees, leaves, branch pages); then free pages up to the page count. Unused pages of an extent
    /// are written as empty pages of their owner, so every page carries a valid checksum.
    /// </summary>
    internal static class DatabaseWriter
    {
        const int UserTableObjid = 6;
        const uint CatalogPoolFirst = 13;
        const uint CatalogExtentLast = Catalog.PgnoCatalog + Catalog.CatalogExtentPages - 1; // 23
        const int MinimumShadowPages = 5;

        public static DatabaseFixture Write(string path, DatabaseSpec spec)
        {
            Validate(spec);
            var rows = RowsOf(spec);
            var format = new PageFormat(spec.PageSize, !spec.LegacyXorChecksums, spec.DatabaseTime);
            Func<IEnumerable<(byte[] Key, byte[] Data)>> userEntries = () => UserTable.Entries(rows);

            // Plan (record sizes do not depend on page numbers, so placeholders give the real page counts).
            var plan = Plan(format, spec, userEntries, writer: null, shadowPages: MinimumShadowPages, userFdp: 0, userPages: 0);
            long needed = plan.UserFdp + plan.UserPages - 1;
            long pageCount = spec.PageCount ?? needed;
            if (pageCount < needed)
                throw new ArgumentException($"PageCount {pageCount} is too small: the system tables and {rows.Count} rows need {needed} pages of {spec.PageSize} bytes.");
            if (pageCount > uint.MaxValue - 1) throw new ArgumentException("PageCount exceeds the 32-bit page numbers of ESE.");

            var header = BuildHeader(spec);
            var fullPath = System.IO.Path.GetFullPath(path);
            using (var stream = new FileStream(fullPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan))
            {
                stream.SetLength(DatabaseSpec.FileSizeFor(pageCount, spec.PageSize));
                using (var writer = new PageFileWriter(stream, spec.PageSize))
                {
                    var free = new FreePageWriter(format, spec.Seed);
                    long freePages = pageCount - needed;

                    // Database root and its space.
                    WriteRoot(format, writer, 1, Catalog.ObjidDatabase, SpaceHeader((uint)Math.Min(pageCount, int.MaxValue), 0, 2));
                    WriteSpaceTree(format, writer, 2, Catalog.ObjidDatabase, owned: true, new[] { ((uint)pageCount, (uint)pageCount) });
                    WriteSpaceTree(format, writer, 3, Catalog.ObjidDatabase, owned: false,
                        freePages > 0 ? new[] { ((uint)pageCount, (uint)freePages) } : Array.Empty<(uint, uint)>());

                    plan = Plan(format, spec, userEntries, writer, plan.ShadowPages, plan.UserFdp, plan.UserPages);
                    if (plan.UserFdp + plan.UserPages - 1 != needed) throw new InvalidOperationException("The written layout differs from the planned one.");

                    // Unused pages of the catalog and shadow extents, then the free pages past the table.
                    for (uint p = plan.CatalogPoolEnd; p <= CatalogExtentLast; p++) free.Write(writer, p, Catalog.ObjidCatalog);
                    for (uint p = plan.ShadowUsedEnd; p < plan.UserFdp; p++) free.Write(writer, p, Catalog.ObjidShadow);
                    if (pageCount > needed) free.WriteRange(writer, needed + 1, pageCount, Catalog.ObjidDatabase);
                    writer.Flush();

                    // Header and shadow header last: a file whose header is valid is complete.
                    var page = new byte[spec.PageSize];
                    header.WriteTo(page);
                    writer.WriteFilePage(0, page);
                    writer.WriteFilePage(1, page);
                }
            }

            return new DatabaseFixture(fullPath, spec, header, pageCount, rows, plan.UserFdp, UserTableObjid,
                plan.UserTree!, plan.UserPages, pageCount - needed);
        }

        sealed class Layout
        {
            public uint CatalogPoolEnd;   // first unused page of the catalog pool
            public uint ShadowUsedEnd;    // first unused page of the shadow extent
            public int ShadowPages;
            public uint UserFdp;
            public int UserPages;
            public TreeLayout? UserTree;
        }

        static Layout Plan(PageFormat format, DatabaseSpec spec, Func<IEnumerable<(byte[] Key, byte[] Data)>> userEntries,
            PageFileWriter? writer, int shadowPages, uint userFdp, int userPages)
        {
            var catalog = Catalog.CatalogTable();
            var shadow = Catalog.ShadowTable(shadowPages);
            var user = UserTable.Define(UserTableObjid, spec.TableName, userFdp, userPages);
            var tables = new[] { catalog, shadow, user };
            var records = Catalog.Records(tables);
            var layout = new Layout();

            // MSysObjects and its two secondary indexes share the catalog extent 4–23.
            uint pool = CatalogPoolFirst;
            var catalogTree = BTreeWriter.Write(format, writer, Catalog.ObjidCatalog, Catalog.PgnoCatalog,
                SpaceHeader(Catalog.CatalogExtentPages, 1, 5), 0, () => records, pool);
            pool += (uint)catalogTree.ExtraPages;
            var nameTree = BTreeWriter.Write(format, writer, Catalog.ObjidNameIndex, Catalog.PgnoNameIndex,
                SpaceHeader(3, Catalog.PgnoCatalog, 8), PageFormat.FlagIndex, () => Catalog.NameIndexEntries(tables), pool);
            uint namePool = pool;
            pool += (uint)nameTree.ExtraPages;
            var rootTree = BTreeWriter.Write(format, writer, Catalog.ObjidRootObjectsIndex, Catalog.PgnoRootObjectsIndex,
                SpaceHeader(3, Catalog.PgnoCatalog, 11), PageFormat.FlagIndex, () => Catalog.RootObjectsEntries(tables), pool);
            uint rootPool = pool;
            pool += (uint)rootTree.ExtraPages;
            if (pool - 1 > CatalogExtentLast) throw new InvalidOperationException("The catalog does not fit its 20-page extent.");
            layout.CatalogPoolEnd = pool;

            if (writer != null)
            {
                WriteSpaceTree(format, writer, 5, Catalog.ObjidCatalog, true, new[] { (CatalogExtentLast, (uint)Catalog.CatalogExtentPages) });
                WriteSpaceTree(format, writer, 6, Catalog.ObjidCatalog, false,
                    pool <= CatalogExtentLast ? new[] { (CatalogExtentLast, CatalogExtentLast - pool + 1) } : Array.Empty<(uint, uint)>());
                WriteSpaceTree(format, writer, 8, Catalog.ObjidNameIndex, true, Extents(9, 3, namePool, nameTree.ExtraPages));
                WriteSpaceTree(format, writer, 9, Catalog.ObjidNameIndex, false, Array.Empty<(uint, uint)>());
                WriteSpaceTree(format, writer, 11, Catalog.ObjidRootObjectsIndex, true, Extents(12, 3, rootPool, rootTree.ExtraPages));
                WriteSpaceTree(format, writer, 12, Catalog.ObjidRootObjectsIndex, false, Array.Empty<(uint, uint)>());
            }

            // The shadow catalog holds a copy of every catalog record.
            uint shadowFirst = Catalog.PgnoShadow + 3;
            var shadowTree = BTreeWriter.Write(format, writer, Catalog.ObjidShadow, Catalog.PgnoShadow,
                SpaceHeader((uint)shadowPages, 1, Catalog.PgnoShadow + 1), 0, () => records, shadowFirst);
            layout.ShadowPages = Math.Max(MinimumShadowPages, 3 + shadowTree.ExtraPages);
            layout.ShadowUsedEnd = shadowFirst + (uint)shadowTree.ExtraPages;
            uint shadowLast = Catalog.PgnoShadow + (uint)layout.ShadowPages - 1;
            if (writer != null)
            {
                WriteSpaceTree(format, writer, Catalog.PgnoShadow + 1, Catalog.ObjidShadow, true, new[] { (shadowLast, (uint)layout.ShadowPages) });
                WriteSpaceTree(format, writer, Catalog.PgnoShadow + 2, Catalog.ObjidShadow, false,
                    layout.ShadowUsedEnd <= shadowLast ? new[] { (shadowLast, shadowLast - layout.ShadowUsedEnd + 1) } : Array.Empty<(uint, uint)>());
            }

            // The user table: root, its space trees, then leaves and branch pages.
            layout.UserFdp = shadowLast + 1;
            uint fdp = layout.UserFdp;
            var userTree = BTreeWriter.Write(format, writer, UserTableObjid, fdp,
                SpaceHeader((uint)Math.Max(userPages, 3), 1, fdp + 1), 0, userEntries, fdp + 3);
            layout.UserPages = 3 + userTree.ExtraPages;
            layout.UserTree = userTree;
            if (writer != null)
            {
                uint last = fdp + (uint)layout.UserPages - 1;
                WriteSpaceTree(format, writer, fdp + 1, UserTableObjid, true, new[] { (last, (uint)layout.UserPages) });
                WriteSpaceTree(format, writer, fdp + 2, UserTableObjid, false, Array.Empty<(uint, uint)>());
            }
            return layout;
        }

        static (uint, uint)[] Extents(uint primaryLast, uint primaryCount, uint secondaryFirst, int secondaryCount) =>
            secondaryCount == 0
                ? new[] { (primaryLast, primaryCount) }
                : new[] { (primaryLast, primaryCount), (secondaryFirst + (uint)secondaryCount - 1, (uint)secondaryCount) };

        /// <summary>A tree's space header (the root's external header): primary extent size, parent FDP, flags, owned-space tree.</summary>
        static byte[] SpaceHeader(uint cpgPrimary, uint parentFdp, uint ownedExtentPgno)
        {
            var h = new byte[16];
            Le.U32(h, 0, cpgPrimary);
            Le.U32(h, 4, parentFdp);
            Le.U32(h, 8, 1); // multiple extents: space is tracked in the owned/available space trees
            Le.U32(h, 12, ownedExtentPgno);
            return h;
        }

        static void WriteRoot(PageFormat format, PageFileWriter writer, uint pgno, int objid, byte[] spaceHeader)
        {
            var b = new PageBuilder(format);
            b.Reset(spaceHeader);
            var (buf, off) = writer.Next(pgno);
            b.WriteTo(buf, off, pgno, (uint)objid, PageFormat.FlagRoot | PageFormat.FlagLeaf);
            writer.Commit(pgno);
        }

        /// <summary>An owned- or available-extent tree in one root page: key = last page (big-endian), data = page count.</summary>
        static void WriteSpaceTree(PageFormat format, PageFileWriter writer, uint pgno, int objid, bool owned, IEnumerable<(uint Last, uint Count)> extents)
        {
            var b = new PageBuilder(format);
            b.Reset(new byte[16]);
            foreach (var (last, count) in extents.OrderBy(e => e.Last))
            {
                var key = new byte[4];
                Le.BeU32(key, 0, last);
                b.Add(key, Le.Bytes32(count));
            }
            var (buf, off) = writer.Next(pgno);
            b.WriteTo(buf, off, pgno, (uint)objid, PageFormat.FlagRoot | PageFormat.FlagLeaf | PageFormat.FlagSpaceTree);
            writer.Commit(pgno);
        }

        static DatabaseHeader BuildHeader(DatabaseSpec spec)
        {
            var created = spec.CreationTime;
            bool clean = spec.State == DatabaseState.CleanShutdown;
            var lastPosition = new LogPosition(spec.LastLogGeneration, 16, 0);
            return new DatabaseHeader
            {
                PageSize = spec.PageSize,
                FormatVersion = spec.FormatVersion,
                FormatRevision = spec.FormatRevision,
                CreationFormatVersion = spec.FormatVersion,
                CreationFormatRevision = spec.FormatRevision,
                DatabaseTime = spec.DatabaseTime,
                DatabaseSignature = spec.EffectiveDatabaseSignature,
                LogSignature = spec.EffectiveLogSignature,
                State = spec.State,
                ConsistentPosition = clean ? lastPosition : default,
                ConsistentTime = clean ? created.AddMinutes(10) : (DateTime?)null,
                AttachTime = created.AddMinutes(1),
                AttachPosition = new LogPosition(Math.Max(1, clean ? spec.LastLogGeneration : spec.EffectiveRequiredLow), 1, 0),
                DetachTime = clean ? created.AddMinutes(10) : (DateTime?)null,
                DetachPosition = clean ? lastPosition : default,
                DatabaseId = 1,
                PreviousFullBackup = spec.LastFullBackup ?? BackupInfo.Empty,
                PreviousIncrementalBackup = spec.LastIncrementalBackup ?? BackupInfo.Empty,
                LastObjectId = UserTableObjid,
                OSVersion = spec.OSVersion,
                RequiredLogLow = spec.EffectiveRequiredLow,
                RequiredLogHigh = spec.EffectiveRequiredHigh,
                CommittedLog = clean ? 0 : spec.EffectiveRequiredHigh,
                HeaderFileType = EseHeaderFileType.Database,
            };
        }

        static IReadOnlyList<FixtureRow> RowsOf(DatabaseSpec spec)
        {
            if (spec.Rows == null) return new GeneratedRows(spec.Seed, spec.RecordCount);
            var sorted = spec.Rows.OrderBy(r => r.Id).ToList();
            for (int i = 1; i < sorted.Count; i++)
                if (sorted[i].Id == sorted[i - 1].Id) throw new ArgumentException($"Row Id {sorted[i].Id} appears twice: Id is the table's unique primary key.");
            return sorted;
        }

        static void Validate(DatabaseSpec spec)
        {
            if (!PageChecksum.IsValidPageSize(spec.PageSize)) throw new ArgumentException($"PageSize {spec.PageSize} is not 4096, 8192, 16384 or 32768.");
            if (spec.RecordCount < 0) throw new ArgumentException("RecordCount cannot be negative.");
            var name = spec.TableName ?? "";
            if (name.Length == 0 || name.Length > 64 || !name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_')) || !char.IsLetter(name[0]))
                throw new ArgumentException($"TableName '{name}' must be 1–64 ASCII letters, digits or underscores, starting with a letter.");
            if (name.StartsWith("MSys", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException("TableName must not start with MSys (system tables).");
            if (spec.State != DatabaseState.CleanShutdown && spec.State != DatabaseState.DirtyShutdown)
                throw new ArgumentException($"State {spec.State} is not supported: write CleanShutdown or DirtyShutdown.");
            if (spec.State == DatabaseState.DirtyShutdown && (spec.EffectiveRequiredLow < 1 || spec.EffectiveRequiredHigh < spec.EffectiveRequiredLow))
                throw new ArgumentException("A dirty database needs RequiredLogLow >= 1 and RequiredLogHigh >= RequiredLogLow.");
        }
    }
}
