namespace Reseal.Windows.Tests; public class Placeholder { [Fact] public void Build_Compiles_True() => Assert.True(true); }
