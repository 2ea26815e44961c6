using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>
    /// Writes empty (free) pages fast: one prepared page per owner, with leftover bytes in its unused
    /// area like a page that once held data, copied and re-stamped with each page number.
    /// </summary>
    internal sealed class FreePageWriter
    {
        readonly PageFormat _format;
        readonly int _seed;
        readonly Dictionary<int, byte[]> _templates = new Dictionary<int, byte[]>();

        public FreePageWriter(PageFormat format, int seed) { _format = format; _seed = seed; }

        public void Write(PageFileWriter writer, uint pgno, int ownerObjid)
        {
            if (!_templates.TryGetValue(ownerObjid, out var template))
            {
                template = Prepare(ownerObjid);
                _templates[ownerObjid] = template;
            }
            var (buf, off) = writer.Next(pgno);
            Buffer.BlockCopy(template, 0, buf, off, template.Length);
            if (_format.IsLarge) Le.U32(buf, off + 64, pgno);
            // The page number in the unused area too, so no two pages are byte-identical.
            Le.U32(buf, off + _format.HeaderSize, pgno);
            PageChecksum.Stamp(new Span<byte>(buf, off, template.Length), pgno);
            writer.Commit(pgno);
        }

        /// <summary>Writes free pages <paramref name="first"/>..<paramref name="last"/>, stamping each buffer's pages on all cores.</summary>
        public void WriteRange(PageFileWriter writer, long first, long last, int ownerObjid)
        {
            if (!_templates.TryGetValue(ownerObjid, out var template))
            {
                template = Prepare(ownerObjid);
                _templates[ownerObjid] = template;
            }
            int size = template.Length;
            for (long pgno = first; pgno <= last;)
            {
                var (buf, off, pages) = writer.NextRun(pgno, last - pgno + 1);
                long runFirst = pgno;
                Parallel.For(0, pages, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
                {
                    int at = off + i * size;
                    uint p = (uint)(runFirst + i);
                    Buffer.BlockCopy(template, 0, buf, at, size);
                    if (_format.IsLarge) Le.U32(buf, at + 64, p);
                    Le.U32(buf, at + _format.HeaderSize, p);
                    PageChecksum.Stamp(new Span<byte>(buf, at, size), p);
                });
                writer.CommitRun(runFirst, pages);
                pgno += pages;
            }
        }

        byte[] Prepare(int ownerObjid)
        {
            var page = new byte[_format.PageSize];
            var b = new PageBuilder(_format);
            b.Reset();
            b.WriteTo(page, 0, 0, (uint)ownerObjid, PageFormat.FlagLeaf | PageFormat.FlagEmpty);
            var rng = new FixtureRandom(FixtureRandom.Derive(_seed, 0xF1EE));
            // Leftover bytes: half the unused area, like a page that was emptied.
            int start = _format.HeaderSize, end = _format.PageSize - 4;
            for (int i = start; i < start + (end - start) / 2; i += 4) Le.U32(page, i, rng.Next());
            return page;
        }
    }
}
