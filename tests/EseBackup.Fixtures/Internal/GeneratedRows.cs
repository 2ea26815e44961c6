using System;
using System.Collections;
using System.Collections.Generic;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>The generated rows of a spec, computed on access so millions of rows take no memory.</summary>
    internal sealed class GeneratedRows : IReadOnlyList<FixtureRow>
    {
        readonly int _seed;

        public GeneratedRows(int seed, int count) { _seed = seed; Count = count; }

        public int Count { get; }

        public FixtureRow this[int index] =>
            index >= 0 && index < Count ? FixtureRow.Generate(_seed, index) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<FixtureRow> GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return FixtureRow.Generate(_seed, i);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
