namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>
/// Keeps the person-task planning of batches in the order they were read while the batches' detection runs side by
/// side on several model lanes: the planner's copy of the tracker must see every camera's frames in order. Turns are
/// handed out in reading order (<see cref="Next"/>, from one thread); a lane waits for its turn before it plans and
/// ends it when its batch is done, whether it planned or not.
/// </summary>
internal sealed class PlanningTurns
{
    private Task _last = Task.CompletedTask;

    /// <summary>The turn after every turn handed out so far.</summary>
    public Turn Next()
    {
        var turn = new Turn(_last);
        _last = turn.Ended;
        return turn;
    }

    internal sealed class Turn(Task previous)
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when this turn and every one before it have ended.</summary>
        public Task Ended => _ended.Task;

        /// <summary>Blocks the calling (model) thread until every earlier turn has ended.</summary>
        public void Wait() => previous.GetAwaiter().GetResult();

        /// <summary>Ends the turn once the earlier ones have ended (a batch that never planned still keeps the order).</summary>
        public void End()
        {
            Wait();
            _ended.TrySetResult();
        }
    }
}
