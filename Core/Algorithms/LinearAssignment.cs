namespace UniHCP.Pipeline.Core.Algorithms;

/// <summary>
/// Minimum-cost assignment (the Hungarian method with potentials, O(n^2 m)): every row gets a
/// distinct column (rows &lt;= columns). Training matches ground-truth boxes to queries with it,
/// tracking matches tracks to detections, and the MOT metrics match truth to hypotheses.
/// </summary>
public static class LinearAssignment
{
    /// <param name="cost">[rows, columns] with rows &lt;= columns.</param>
    /// <returns>For each row, its column.</returns>
    public static int[] Solve(double[,] cost)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (n == 0)
            return [];
        if (n > m)
            throw new ArgumentException($"The assignment needs at least as many columns ({m}) as rows ({n}).");
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                if (!double.IsFinite(cost[i, j]))
                    throw new ArgumentException($"Cost [{i}, {j}] is {cost[i, j]}; costs must be finite.");
            }
        }
        // 1-based arrays; column 0 is the virtual start.
        var u = new double[n + 1];
        var v = new double[m + 1];
        var owner = new int[m + 1];   // row assigned to each column (0: none)
        var way = new int[m + 1];
        for (int i = 1; i <= n; i++)
        {
            owner[0] = i;
            int j0 = 0;
            var minv = new double[m + 1];
            var used = new bool[m + 1];
            Array.Fill(minv, double.PositiveInfinity);
            do
            {
                used[j0] = true;
                int i0 = owner[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j])
                        continue;
                    double reduced = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (reduced < minv[j])
                    {
                        minv[j] = reduced;
                        way[j] = j0;
                    }
                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j])
                    {
                        u[owner[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (owner[j0] != 0);
            do
            {
                int j1 = way[j0];
                owner[j0] = owner[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        var assignment = new int[n];
        for (int j = 1; j <= m; j++)
        {
            if (owner[j] != 0)
                assignment[owner[j] - 1] = j - 1;
        }
        return assignment;
    }

    /// <summary>
    /// Assignment where a pair costing more than <paramref name="limit"/> is not allowed and an item
    /// may stay unmatched (at cost <paramref name="limit"/>), for any shape. Returns the matched
    /// (row, column) pairs.
    /// </summary>
    public static List<(int Row, int Column)> SolveWithLimit(double[,] cost, double limit)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        var pairs = new List<(int, int)>();
        if (n == 0 || m == 0)
            return pairs;
        // Rows x (columns + one "unmatched" column per row): leaving row i unmatched costs the limit,
        // a forbidden pair costs more than that, so it is never chosen over leaving both unmatched.
        double forbidden = limit + 1 + Math.Abs(limit);
        var extended = new double[n, m + n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
                extended[i, j] = cost[i, j] <= limit ? cost[i, j] : forbidden;
            for (int j = 0; j < n; j++)
                extended[i, m + j] = i == j ? limit : forbidden;
        }
        int[] assignment = Solve(extended);
        for (int i = 0; i < n; i++)
        {
            if (assignment[i] < m && cost[i, assignment[i]] <= limit)
                pairs.Add((i, assignment[i]));
        }
        return pairs;
    }
}
