namespace Reseal.Registry;

/// <summary>A value's type. Any uint is legal on disk (SAM stores RIDs here); these are the named ones.</summary>
public enum RegistryValueType : uint
{
    None = 0,
    Sz = 1,
    ExpandSz = 2,
    Binary = 3,
    DWord = 4,
    DWordBigEndian = 5,
    Link = 6,
    MultiSz = 7,
    ResourceList = 8,
    FullResourceDescriptor = 9,
    ResourceRequirementsList = 10,
    QWord = 11,
}
