using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// An age as people write it: a TimeSpan, or text such as '24h', '7d', '90m', '30s', '2w' or '1.12:00:00'.
    /// A bare number is refused (PowerShell would read -MaxAge 24 as 24 ticks), and so is anything under a second.
    /// </summary>
    public static class AgeText
    {
        private static readonly Regex UnitPattern = new Regex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>s|sec|m|min|h|hr|d|w)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public const string Examples = "a TimeSpan such as (New-TimeSpan -Hours 24), or text such as '24h', '7d', '90m', '30s', '2w' or '1.00:00:00'";

        /// <summary>The age a value names; null when it names none (the caller says what is accepted).</summary>
        public static TimeSpan? TryParse(object? value)
        {
            switch (value is PSObject pso ? pso.BaseObject : value)
            {
                case TimeSpan span:
                    return span;
                case string text:
                    var m = UnitPattern.Match(text);
                    if (m.Success)
                    {
                        var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
                        switch (m.Groups["u"].Value.ToLowerInvariant())
                        {
                            case "s": case "sec": return TimeSpan.FromSeconds(n);
                            case "m": case "min": return TimeSpan.FromMinutes(n);
                            case "h": case "hr": return TimeSpan.FromHours(n);
                            case "d": return TimeSpan.FromDays(n);
                            case "w": return TimeSpan.FromDays(7 * n);
                        }
                    }
                    // 'd.hh:mm:ss' or 'hh:mm:ss'; a bare number ("24") parses as days here, which is refused too:
                    // the unit must be written.
                    if (text.Contains(":") && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                    return null;
                default:
                    return null;
            }
        }

        /// <summary>The age, checked to be at least one second; throws ArgumentException saying what is accepted.</summary>
        public static TimeSpan Parse(object? value, string parameterName)
        {
            var age = TryParse(value) ?? throw new ArgumentException($"-{parameterName} '{value}' is not an age: give {Examples}. A bare number has no unit.");
            if (age < TimeSpan.FromSeconds(1))
                throw new ArgumentException($"-{parameterName} {age} is under a second: give {Examples}.");
            return age;
        }
    }

    /// <summary>Binds -MaxAge and similar TimeSpan parameters through <see cref="AgeText"/>.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class AgeArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            try
            {
                return AgeText.Parse(inputData, "MaxAge");
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentTransformationMetadataException(ex.Message, ex);
            }
        }
    }
}
