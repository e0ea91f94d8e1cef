using System.Runtime.InteropServices;

namespace SocketIo.DirectWebSockets;

/// <summary>
/// How many more file descriptors this process may spend on connections: the soft <c>RLIMIT_NOFILE</c>, less the
/// descriptors already open, less a reserve for what the runtime and the application open later (assemblies,
/// symbol files for stack traces, logs, outgoing connections). Linux only; elsewhere the budget is unknown.
/// </summary>
internal static partial class FileDescriptorBudget
{
    /// <summary><c>RLIMIT_NOFILE</c> in the generic Linux ABI (x86, x86-64, arm, arm64, riscv, s390x, ppc, loongarch).</summary>
    private const int RlimitNoFile = 7;

    /// <summary><c>RLIM_INFINITY</c> on 64-bit Linux.</summary>
    private const ulong RlimInfinity = ulong.MaxValue;

    /// <summary>
    /// The budget now, or null when it is unknown: not Linux (or not 64-bit, where <c>rlim_t</c> is 32 bits),
    /// <c>getrlimit</c> or <c>/proc/self/fd</c> unavailable, no limit (or one past <see cref="int.MaxValue"/>, which
    /// no descriptor table reaches), or a limit so tight that the reserve leaves nothing to share.
    /// </summary>
    public static long? Compute()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return null;
        }

        return SoftLimit() is { } soft && CountOpen() is { } open ? Of(soft, open) : null;
    }

    /// <summary>The budget for a soft limit and a count of open descriptors (null when nothing is left).</summary>
    internal static long? Of(long soft, long open)
    {
        var budget = soft - open - Reserve(soft);
        return budget > 0 ? budget : null;
    }

    /// <summary>What is kept back from connections: a sixteenth of the limit, at least 128.</summary>
    internal static long Reserve(long soft) => Math.Max(128, soft / 16);

    /// <summary>The soft <c>RLIMIT_NOFILE</c> of this process, or null when unknown or unlimited.</summary>
    internal static long? SoftLimit()
    {
        RLimit limit;
        try
        {
            if (GetRLimit(RlimitNoFile, out limit) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        return limit.Current == RlimInfinity || limit.Current > int.MaxValue ? null : (long)limit.Current;
    }

    /// <summary>The number of descriptors open in this process (the entries of <c>/proc/self/fd</c>), or null.</summary>
    internal static long? CountOpen()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    /// <summary><c>struct rlimit</c>: two <c>rlim_t</c> (unsigned long, 64 bits on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
