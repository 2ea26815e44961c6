using System.Collections.Generic;

namespace EseBackup.Core
{
    /// <summary>
    /// Names or paths a result lists. As text (what Export-Csv writes for a collection, and what a table cell shows) the
    /// items on one line, not the type name a plain list gives; ConvertTo-Json and System.Text.Json still see an array.
    /// </summary>
    public sealed class TextList : List<string>
    {
        public TextList() { }

        public TextList(IEnumerable<string> items) : base(items) { }

        public override string ToString() => string.Join("; ", this);
    }
}
