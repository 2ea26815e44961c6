using System;
using System.Collections.Generic;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>What a written B-tree occupies.</summary>
    internal sealed class TreeLayout
    {
        public uint RootPgno { get; set; }
        public uint FirstPgno { get; set; }
        /// <summary>Pages used besides the root, allocated from <see cref="FirstPgno"/> on.</summary>
        public int ExtraPages { get; set; }
        public int LeafPages { get; set; }
        public int Depth { get; set; }
        public long Entries { get; set; }
    }

    /// <summary>
    /// Writes a B+-tree from entries already sorted by key. The root sits at a fixed page and carries the
    /// tree's space header as its external header; other pages are taken in order from a first free page:
    /// first the leaves (chained by previous/next page), then each level of branch pages (not chained). A branch node's
    /// key separates its child from the next (it is the first key of the next child); the last has no key.
    /// The entries are enumerated twice (plan, then write), so a large table is never held in memory.
    /// </summary>
    internal static class BTreeWriter
    {
        public static TreeLayout Write(
            PageFormat format, PageFileWriter? writer, uint objidFdp, uint rootPgno, byte[] rootExternalHeader,
            uint kindFlags, Func<IEnumerable<(byte[] Key, byte[] Data)>> entries, uint firstFreePgno)
        {
            var builder = new PageBuilder(format);

            // Plan the leaves: how many entries each holds and the first key of each.
            var leafCounts = new List<int>();
            var leafFirstKeys = new List<byte[]>();
            long total = 0;
            builder.Reset();
            foreach (var (key, data) in entries())
            {
                if (leafCounts.Count == 0 || !builder.Fits(key.Length, data.Length))
                {
                    leafCounts.Add(0);
                    leafFirstKeys.Add(key);
                    builder.Reset();
                }
                builder.Add(key, data); // throws when one entry cannot fit even an empty page
                leafCounts[leafCounts.Count - 1]++;
                total++;
            }

            var layout = new TreeLayout { RootPgno = rootPgno, FirstPgno = firstFreePgno, Entries = total, Depth = 1 };

            // Everything fits on the root page: a root leaf.
            if (leafCounts.Count <= 1 && FitsOnRoot(builder, rootExternalHeader, entries()))
            {
                builder.Reset(rootExternalHeader);
                foreach (var (key, data) in entries()) builder.Add(key, data);
                Emit(writer, builder, rootPgno, objidFdp, PageFormat.FlagRoot | PageFormat.FlagLeaf | kindFlags, 0, 0);
                layout.LeafPages = 1;
                return layout;
            }

            // Leaves, chained.
            int leafCount = leafCounts.Count;
            uint next = firstFreePgno;
            if (writer != null)
            {
                using var e = entries().GetEnumerator();
                for (int i = 0; i < leafCount; i++)
                {
                    builder.Reset();
                    for (int n = 0; n < leafCounts[i]; n++)
                    {
                        e.MoveNext();
                        builder.Add(e.Current.Key, e.Current.Data);
                    }
                    uint pgno = firstFreePgno + (uint)i;
                    Emit(writer, builder, pgno, objidFdp, PageFormat.FlagLeaf | kindFlags,
                        i == 0 ? 0 : pgno - 1, i == leafCount - 1 ? 0 : pgno + 1);
                }
            }
            next += (uint)leafCount;
            layout.LeafPages = leafCount;

            // Branch levels until one fits on the root.
            var children = new List<(byte[] FirstKey, uint Pgno)>(leafCount);
            for (int i = 0; i < leafCount; i++) children.Add((leafFirstKeys[i], firstFreePgno + (uint)i));
            bool childrenAreLeaves = true;
            while (true)
            {
                layout.Depth++;
                if (BranchFitsOnRoot(format, rootExternalHeader, children))
                {
                    builder.Reset(rootExternalHeader);
                    for (int i = 0; i < children.Count; i++) builder.Add(SeparatorAfter(children, i), Le.Bytes32(children[i].Pgno));
                    Emit(writer, builder, rootPgno, objidFdp, PageFormat.FlagRoot | (childrenAreLeaves ? PageFormat.FlagParentOfLeaf : 0) | kindFlags, 0, 0);
                    break;
                }

                // Pack this level into non-root branch pages.
                var pages = new List<(int First, int Count)>();
                builder.Reset();
                int start = 0;
                for (int i = 0; i < children.Count; i++)
                {
                    var key = SeparatorAfter(children, i);
                    if (!builder.Fits(key.Length, 4) && builder.Count > 0)
                    {
                        pages.Add((start, i - start));
                        start = i;
                        builder.Reset();
                    }
                    builder.Add(key, Le.Bytes32(children[i].Pgno));
                }
                pages.Add((start, children.Count - start));

                var parents = new List<(byte[] FirstKey, uint Pgno)>(pages.Count);
                for (int p = 0; p < pages.Count; p++)
                {
                    builder.Reset();
                    var (first, count) = pages[p];
                    for (int i = first; i < first + count; i++)
                    {
                        // The last node of a page has no key when it is the last child of the level,
                        // otherwise it keeps the separator to the next page's first child.
                        builder.Add(SeparatorAfter(children, i), Le.Bytes32(children[i].Pgno));
                    }
                    uint pgno = next + (uint)p;
                    // Branch pages are not chained (libesedb rejects a branch page with a next page).
                    Emit(writer, builder, pgno, objidFdp, (childrenAreLeaves ? PageFormat.FlagParentOfLeaf : 0) | kindFlags, 0, 0);
                    parents.Add((children[first].FirstKey, pgno));
                }
                next += (uint)pages.Count;
                children = parents;
                childrenAreLeaves = false;
            }

            layout.ExtraPages = (int)(next - firstFreePgno);
            return layout;
        }

        static void Emit(PageFileWriter? writer, PageBuilder builder, uint pgno, uint objidFdp, uint flags, uint prev, uint next)
        {
            if (writer == null) return;
            var (buf, off) = writer.Next(pgno);
            builder.WriteTo(buf, off, pgno, objidFdp, flags, prev, next);
            writer.Commit(pgno);
        }

        static byte[] SeparatorAfter(List<(byte[] FirstKey, uint Pgno)> children, int i) =>
            i == children.Count - 1 ? Array.Empty<byte>() : children[i + 1].FirstKey;

        static bool FitsOnRoot(PageBuilder builder, byte[] rootHeader, IEnumerable<(byte[] Key, byte[] Data)> entries)
        {
            builder.Reset(rootHeader);
            foreach (var (key, data) in entries) if (!builder.TryAdd(key, data)) return false;
            return true;
        }

        static bool BranchFitsOnRoot(PageFormat format, byte[] rootHeader, List<(byte[] FirstKey, uint Pgno)> children)
        {
            var b = new PageBuilder(format);
            b.Reset(rootHeader);
            for (int i = 0; i < children.Count; i++) if (!b.TryAdd(SeparatorAfter(children, i), Le.Bytes32(children[i].Pgno))) return false;
            return true;
        }
    }
}
