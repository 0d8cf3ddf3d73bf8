using System.Diagnostics;
using Reseal.TestSupport.Loopback;

namespace Reseal.Images.Tests;

/// <summary><c>image create</c> on EC2: the real AWS SDK against a loopback server that follows EC2's Query API.</summary>
public sealed class Ec2CreateTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static CreateImageRequest Request(string instance, string name = "win2022-golden", TimeSpan? timeout = null, bool wait = true,
        params KeyValuePair<string, string>[] tags) =>
        new(instance, name, "sealed by reseal", false, tags, wait, timeout ?? TimeSpan.FromSeconds(30));

    [Fact]
    public async Task CreateAsync_StoppingInstance_WaitsThenImageAvailableWithTaggedSnapshots()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2222c", "stopping");
        instance.States.Enqueue("stopping");
        instance.States.Enqueue("stopping");
        instance.States.Enqueue("stopped");
        var progress = new List<ImageProgress>();
        var creator = new ImageCreator(ec2.Cloud, FastImages.Settings, new SyncProgress<ImageProgress>(progress.Add));

        var result = await creator.CreateAsync(Request(instance.Id, tags: [new("team", "images"), new("os", "win2022")]), Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal("available", result.State);
        var image = ec2.Fake.Images[result.ImageId!];
        Assert.Equal("win2022-golden", image.Name);
        Assert.Equal("sealed by reseal", image.Description);
        Assert.False(image.NoReboot);
        Assert.Equal(image.SnapshotIds, result.SnapshotIds);
        Assert.Equal("images", image.Tags["team"]);
        Assert.Equal("win2022", image.SnapshotTags["os"]);
        // CreateImage only once the instance had stopped.
        var actions = ec2.Fake.Calls.Select(c => c.Action).ToList();
        Assert.Equal(3, actions.TakeWhile(a => a != "CreateImage").Count(a => a == "DescribeInstances"));
        Assert.Contains(progress, p => p.Message.Contains("stopping", StringComparison.Ordinal) && p.Changed);
        Assert.Contains(progress, p => p.Message.Contains('%', StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateAsync_ImageGoesFailed_ReturnsFailedWithStateReason()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2223c");
        ec2.Fake.NewImageStates = ["pending", "failed"];
        ec2.Fake.OnCreateImage = (image, _) =>
        {
            image.StateReasonCode = "Server.InternalError";
            image.StateReasonMessage = "Internal error while creating snapshot snap-0123";
        };

        var result = await new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token);

        Assert.Equal(CreateOutcome.Failed, result.Outcome);
        Assert.Equal("failed", result.State);
        Assert.Equal("Server.InternalError: Internal error while creating snapshot snap-0123", result.Reason);
    }

    [Fact]
    public async Task CreateAsync_TimeoutWhilePending_LeavesImageAndSaysSo()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2224c");
        ec2.Fake.NewImageStates = ["pending"];

        var result = await new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id, timeout: TimeSpan.FromMilliseconds(300)), Token);

        Assert.Equal(CreateOutcome.TimedOut, result.Outcome);
        Assert.Equal("pending", result.State);
        Assert.NotNull(result.ImageId);
        Assert.Contains("left as it is", result.Reason, StringComparison.Ordinal);
        Assert.Contains(result.ImageId!, result.Reason, StringComparison.Ordinal);
        Assert.True(ec2.Fake.Images.ContainsKey(result.ImageId!));
    }

    [Fact]
    public async Task CreateAsync_NoWait_ReturnsPendingImageAtOnce()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2225c");

        var result = await new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id, wait: false), Token);

        Assert.Equal(CreateOutcome.Started, result.Outcome);
        Assert.Equal(0, ec2.Fake.Count("DescribeImages"));
    }

    [Fact]
    public async Task CreateAsync_UnknownInstance_NotFoundNamingIt()
    {
        await using var ec2 = Ec2Loopback.Start();

        var e = await Assert.ThrowsAsync<ImageCloudException>(() =>
            new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request("i-0doesnotexist0000"), Token));

        Assert.Equal(ImageFailureKind.NotFound, e.Kind);
        Assert.Contains("i-0doesnotexist0000", e.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidInstanceID.NotFound", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pending", "starting, not sealed")]
    [InlineData("running", "not sealed yet")]
    [InlineData("terminated", "stopped (sealed) machine")]
    public async Task CreateAsync_InstanceInWrongState_RefusedWithoutCreatingImage(string state, string expected)
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2226c", state);

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token));

        Assert.Equal(ImageFailureKind.WrongState, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(instance.Id, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, ec2.Fake.Count("CreateImage"));
    }

    [Fact]
    public async Task CreateAsync_RunningWithAllowRunning_Creates()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2227c", "running");

        var result = await new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(
            Request(instance.Id) with { AllowRunning = true }, Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
    }

    [Fact]
    public async Task CreateAsync_WaitForShutdown_WaitsWhileSysprepRuns()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2235c", "running");
        foreach (var state in (string[])["running", "running", "stopping", "stopped"])
        {
            instance.States.Enqueue(state);
        }

        var result = await new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(
            Request(instance.Id) with { WaitForShutdown = true }, Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal(4, ec2.Fake.Calls.Select(c => c.Action).TakeWhile(a => a != "CreateImage").Count());
    }

    [Fact]
    public async Task CreateAsync_WaitForShutdownNeverStops_WrongStateNoImage()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2236c", "running");

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(
            Request(instance.Id, timeout: TimeSpan.FromMilliseconds(200)) with { WaitForShutdown = true }, Token));

        Assert.Equal(ImageFailureKind.WrongState, e.Kind);
        Assert.Contains("still running", e.Message, StringComparison.Ordinal);
        Assert.Contains("no image was created", e.Message, StringComparison.Ordinal);
        Assert.Empty(ec2.Fake.Images);
    }

    [Fact]
    public async Task CreateAsync_IncorrectInstanceStateFromCreateImage_WrongState()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2228c");
        ec2.Fake.Fault("CreateImage", FakeEc2.Error("IncorrectInstanceState", $"The instance '{instance.Id}' is not in a state from which it can be imaged."));

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token));

        Assert.Equal(ImageFailureKind.WrongState, e.Kind);
        Assert.Contains("IncorrectInstanceState", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_DuplicateName_InvalidRequestNamingTheOtherImage()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2229c");
        ec2.Fake.AddImage("ami-0existing000000000").Name = "win2022-golden";

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token));

        Assert.Equal(ImageFailureKind.InvalidRequest, e.Kind);
        Assert.Contains("InvalidAMIName.Duplicate", e.Message, StringComparison.Ordinal);
        Assert.Contains("ami-0existing000000000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_Throttled503_SdkRetriesAndSucceeds()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2230c");
        ec2.Fake.Fault("CreateImage", FakeEc2.Error("RequestLimitExceeded", "Request limit exceeded.", 503));
        ec2.Fake.Fault("DescribeImages", FakeEc2.Error("RequestLimitExceeded", "Request limit exceeded.", 503));

        var result = await new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token);

        Assert.Equal(CreateOutcome.Available, result.Outcome);
        Assert.Equal(2, ec2.Fake.Count("CreateImage"));
        Assert.Single(ec2.Fake.Images);
    }

    [Fact]
    public async Task CreateAsync_ThrottledBeyondRetries_UnreachableSayingThrottled()
    {
        // The SDK backs off between its retries (standard mode: up to 2^n s with jitter); give the call the time it needs.
        var settings = FastImages.Settings with { SdkMaxErrorRetry = 1, RequestTimeout = TimeSpan.FromSeconds(30) };
        await using var ec2 = Ec2Loopback.Start(settings);
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2231c");
        for (var i = 0; i < 10; i++)
        {
            ec2.Fake.Fault("DescribeInstances", FakeEc2.Error("RequestLimitExceeded", "Request limit exceeded.", 503));
        }

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, settings).CreateAsync(Request(instance.Id), Token));

        Assert.Equal(ImageFailureKind.Unreachable, e.Kind);
        Assert.Contains("throttled", e.Message, StringComparison.Ordinal);
        Assert.Equal(settings.SdkMaxErrorRetry + 1, ec2.Fake.Count("DescribeInstances"));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("html")]
    public async Task CreateAsync_AnswerIsNotEc2_UnreachableNoCrash(string kind)
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2232c");
        var reply = kind switch
        {
            "garbage" => new LoopbackReply(200, [], null) { Raw = "\u0000\u00ffnot http at all\r\n\r\n"u8.ToArray() },
            "truncated" => LoopbackReply.Text(200, "<?xml version=\"1.0\"?><DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><reservationSet><item>") with { DeclaredLength = 4000 },
            _ => LoopbackReply.Text(200, "<html><body>captive portal</body></html>", ("Content-Type", "text/html")),
        };
        for (var i = 0; i < 100; i++)
        {
            ec2.Fake.Fault("DescribeInstances", reply);
        }

        var e = await Record.ExceptionAsync(() => new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token));

        Assert.True(e is ImageCloudException, $"{ec2.Fake.Count("DescribeInstances")} calls; {string.Join(",", ec2.Fake.Calls.Select(c => c.Action))}; {e}");
        var failure = (ImageCloudException)e;
        Assert.True(failure.Kind is ImageFailureKind.Unreachable or ImageFailureKind.NotFound, failure.Kind + ": " + failure.Message);
        Assert.Contains(instance.Id, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_CloudNeverAnswers_UnreachableWithinRequestTimeout()
    {
        var settings = FastImages.Settings with { RequestTimeout = TimeSpan.FromSeconds(1) };
        await using var ec2 = Ec2Loopback.Start(settings);
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2233c");
        for (var i = 0; i < 10; i++)
        {
            ec2.Fake.Fault("DescribeInstances", LoopbackReply.Text(200, "") with { Delay = TimeSpan.FromMinutes(5) });
        }

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, settings).CreateAsync(Request(instance.Id), Token));

        Assert.Equal(ImageFailureKind.Unreachable, e.Kind);
        Assert.Contains("did not answer within 1 s", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task CreateAsync_AuthFailure_CredentialsKind()
    {
        await using var ec2 = Ec2Loopback.Start();
        var instance = ec2.Fake.AddInstance("i-0aaa1111bbbb2234c");
        ec2.Fake.Fault("DescribeInstances", FakeEc2.Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401));

        var e = await Assert.ThrowsAsync<ImageCloudException>(() => new ImageCreator(ec2.Cloud, FastImages.Settings).CreateAsync(Request(instance.Id), Token));

        Assert.Equal(ImageFailureKind.Credentials, e.Kind);
        Assert.Contains("AuthFailure", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
